"""Everything that turns a notebook into a published report folder.

``aeeval.publish`` runs notebooks in kernels (papermill), prints PDFs in Chromium (over its DevTools pipe),
checks every published byte (the disclosure gate, :mod:`aeeval.publish.gate`), writes the
provenance manifest and swaps finished folders into place. It has its own dependencies and its
own processes; the statistics modules of :mod:`aeeval` never import it (a test checks).

Modules, one concern each:

- :mod:`~aeeval.publish.report` — one notebook to one published folder (:func:`run_report`);
- :mod:`~aeeval.publish.build` — a batch of reports from a config, in parallel workers;
- :mod:`~aeeval.publish.parameters` — the notebook's declared parameters and their checks;
- :mod:`~aeeval.publish.gate` — the disclosure gate over every published file;
- :mod:`~aeeval.publish.browser` — Chromium and pdftotext;
- :mod:`~aeeval.publish.forkserver` — warm kernels, forked from a pre-imported parent;
- :mod:`~aeeval.publish.kernel` — the kernels' launcher, with an exit that cannot hang;
- :mod:`~aeeval.publish.provenance` — the inputs a run read, hashed, and the manifest;
- :mod:`~aeeval.publish.figures` — figures.json and the images a notebook declares safe;
- :mod:`~aeeval.publish.outdir` — output folders that are aeeval's alone, replaced atomically;
- :mod:`~aeeval.publish.commands` — the ``aeeval run`` and ``aeeval build`` commands;
- ``templates/`` — the nbconvert template of the report.

This ``__init__`` imports nothing, so that the command line can register its publishing
commands without loading papermill or nbconvert.
"""
