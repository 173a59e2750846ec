"""Import annotations made elsewhere: SemEval span files, doccano, Label Studio, W3C Web Annotation, our json.

A reader turns the files of one format into a ForeignBatch (plain records, no
database); annotate.interchange.load puts a batch into a project through the
one write path (annotate.tags.do_import_tag), all or nothing, and reports what
it could not map.
"""
