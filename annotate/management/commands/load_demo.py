from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from annotate.demo import create_demo
from annotate.sample_annotations import add_sample_annotations


class Command(BaseCommand):
    help = "Create the TeleSUR demo project with the default codebook and demo users (DEBUG only)."

    def add_arguments(self, parser):
        parser.add_argument("--reset-passwords", action="store_true", help="give the demo users new passwords")
        parser.add_argument("--with-sample-annotations", action="store_true",
                            help="add sample tags by annotator1 and annotator2 that disagree in places")

    def handle(self, *, reset_passwords, with_sample_annotations=False, **options):
        if not settings.DEBUG:
            raise CommandError("load_demo creates accounts with printed passwords: refused with DJANGO_DEBUG off")
        project, passwords = create_demo(reset_passwords=reset_passwords)
        document = project.documents.first()
        self.stdout.write(f"project '{project.slug}': {document.title} ({document.segments.count()} segments)")
        if with_sample_annotations:
            self.stdout.write(f"sample annotations: {add_sample_annotations(project)} added")
        if passwords:
            self.stdout.write("demo accounts (shown once; `load_demo --reset-passwords` makes new ones):")
            for username, role in project.memberships.values_list("user__username", "role"):
                if username in passwords:
                    self.stdout.write(f"  {username:<11} {role:<10} password: {passwords[username]}")
        else:
            self.stdout.write("demo accounts already exist: manager, annotator1, annotator2, reviewer "
                              "(run `load_demo --reset-passwords` for new passwords)")
