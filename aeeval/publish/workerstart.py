"""What every batch worker imports and builds before its first report, done once in the process
the workers are forked from.

``aeeval build`` starts its workers with multiprocessing's ``forkserver`` method where there is
one (Linux, macOS): a server process imports this module once (``set_forkserver_preload``) and
forks each worker from there, ready — papermill, nbclient and nbconvert imported, the report
template compiled, nbformat's schema validator and nbconvert's HTML pass built
(:func:`aeeval.publish.report.warm_export`) — where each spawned worker imported and built them
again (about 1 CPU-s a worker, benchmarks/README.md). Nothing here starts a thread: the server
forks. A worker still gets the batch's environment, working directory and limits from
:func:`aeeval.publish.build.warm_worker`.
"""

from ..cli import skip_iri_grammar


def preload() -> None:
    """Import and build what a worker uses (jsonschema's IRI grammar left out, as in every aeeval
    process: :func:`aeeval.cli.skip_iri_grammar`)."""
    skip_iri_grammar()
    import nbclient  # noqa: F401
    import papermill  # noqa: F401

    from .report import warm_export

    warm_export()


preload()
