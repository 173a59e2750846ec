"""Set up Django on a throwaway database for a benchmark, and measure memory."""

import os
import resource
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(db_path=None):
    """Point Django at a fresh SQLite file (or $BENCH_DATABASE_URL) and migrate it; return the URL."""
    sys.path.insert(0, str(ROOT))
    if "BENCH_DATABASE_URL" in os.environ:
        url = os.environ["BENCH_DATABASE_URL"]
    else:
        db_path = db_path or Path(tempfile.mkdtemp(prefix="annotate-bench-")) / "bench.sqlite3"
        url = f"sqlite:///{db_path}"
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "project.settings")
    os.environ.setdefault("DJANGO_DEBUG", "true")
    import django
    from django.core.management import call_command

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # keep Django from recording every query in memory
    call_command("migrate", verbosity=0)
    return url


def peak_rss_mb():
    """Return this process's peak resident set size in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# The commit before splitting went past pysbd for plain sentences: the baseline of bench_import and bench_sentences.
PREVIOUS_COMMIT = "00ffe03"


def previous_module(name):
    """Return annotate/<name>.py as it was at PREVIOUS_COMMIT, read from git, importing the previous splitter."""
    import subprocess
    import types

    module_name = f"previous_{name}"
    if module_name in sys.modules:
        return sys.modules[module_name]
    source = subprocess.check_output(["git", "show", f"{PREVIOUS_COMMIT}:annotate/{name}.py"], cwd=ROOT, text=True)
    source = source.replace("from annotate.segmentation import", "from previous_segmentation import")
    module = types.ModuleType(module_name)
    sys.modules[module_name] = module  # dataclasses look their module up there
    exec(compile(source, f"{PREVIOUS_COMMIT}:annotate/{name}.py", "exec"), module.__dict__)
    return module


def current_rss_mb():
    """Return this process's resident set size now, in MB."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
