"""``aeeval build``: a batch of reports — notebooks × parameter sets — from one YAML config.

A config names notebooks and the parameter sets to run each with::

    output_dir: ../reports/demo          # where report folders go
    formats: [pdf, html]                  # optional (default both)
    reports:
      - notebook: 05-evaluation-report.ipynb
        parameters: {min_base: 10}        # the same for every run of this entry
        matrix: {cohort: [1, 2, 3]}       # every combination of these values
        out: "evaluation/cohort-{cohort}" # optional; default from the notebook and the matrix
    names: contacts.txt                   # optional: names no report may show, one a line

Relative paths in a config (notebooks, ``output_dir``, and data paths given as parameters) are
relative to the config file's folder, which is also the kernels' working directory. The whole
config is checked before anything runs: its shape, every notebook, every parameter's name and
type, that every report's folder (its ``out`` filled in) lies inside ``output_dir`` — not
``output_dir`` itself, no ``..``, not absolute — that no two reports' folders are the same or nest,
and that no folder contains or lies inside the notebook, the config or a path given as a parameter.

The notebooks run in a pool of worker processes (``--jobs``), each keeping papermill and
nbconvert loaded; the main process prints every PDF with one browser and publishes each report
(:func:`aeeval.publish.report.publish`) as soon as it is ready. A failed report does not stop the others;
the summary at the end lists every report and why any failed.

The batch holds the lock of every output folder it writes (:func:`aeeval.publish.outdir.locked`).
Ctrl-C, SIGTERM or SIGHUP stops every worker (and with it its kernel) and the browser, removes
the work folders and raises :class:`KeyboardInterrupt`. Workers die with the main process (Linux
``PR_SET_PDEATHSIG``, and a check of their parent before each report), and kernels with their
worker, so after a ``kill -9`` of the main process no queued report starts; the next run on those
folders removes the work folders left behind.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from ..errors import AeevalError
from ..files import InputFileError, printable, read_yaml
from .outdir import (
    OutputError,
    check_apart,
    check_destination,
    clean_leftovers,
    die_with_parent,
    exit_with,
    locked,
    path_parameters,
    process_alive,
    signals_held,
    sigterm_interrupts,
)
from .parameters import ParameterError, check_parameters, declared_parameters
from .report import FORMATS, ReportError, check_formats, close_quietly, prepare, publish

__all__ = ["ConfigError", "Job", "Outcome", "load_config", "run_jobs", "summary_table"]

CONFIG_SCHEMA = {
    "type": "object",
    "required": ["reports"],
    "additionalProperties": False,
    "properties": {
        "output_dir": {"type": "string", "minLength": 1},
        "names": {"type": "string", "minLength": 1},
        "formats": {"type": "array", "items": {"enum": list(FORMATS)}, "minItems": 1},
        "reports": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "additionalProperties": False,
                "oneOf": [{"required": ["notebook"]}, {"required": ["notebooks"]}],
                "properties": {
                    "notebook": {"type": "string", "minLength": 1},
                    "notebooks": {
                        "type": "array",
                        "items": {"type": "string", "minLength": 1},
                        "minItems": 1,
                    },
                    "parameters": {"type": "object"},
                    "parameter_sets": {"type": "array", "items": {"type": "object"}, "minItems": 1},
                    "matrix": {
                        "type": "object",
                        "additionalProperties": {"type": "array", "minItems": 1},
                    },
                    "out": {"type": "string", "minLength": 1},
                },
            },
        },
    },
}


class ConfigError(AeevalError, ValueError):
    """A build config that cannot run; the message lists every problem with its place."""


@dataclass
class Job:
    """One report of a batch: a notebook, its parameters and its output folder."""

    notebook: Path
    parameters: dict
    out: Path
    cwd: Path
    label: str = ""
    names: tuple = ()  # person names the disclosure gate looks for (the config's names list)
    allow_min_base: int | None = None  # --allow-min-base, recorded in the manifest


@dataclass
class Outcome:
    """How one report of a batch ended."""

    job: Job
    ok: bool
    seconds: float
    message: str = ""


def _where(path) -> str:
    parts = ""
    for p in path:
        parts += f"[{p}]" if isinstance(p, int) else (f".{p}" if parts else str(p))
    return parts or "(top level)"


def _out_name(template: str | None, notebook: Path, varying: dict, where: str) -> str:
    if template is None:
        name = notebook.stem
        if varying:
            name += "/" + "-".join(f"{k}-{v}" for k, v in varying.items())
        return name
    try:
        return template.format(notebook=notebook.stem, **varying)
    except (KeyError, IndexError, ValueError) as exc:
        raise ConfigError(
            f"{where}.out: {template!r} names {exc}, which is not 'notebook' or a "
            f"matrix / parameter-set key ({', '.join(varying) or 'none'})"
        ) from None


def load_config(path, *, formats=None, output_dir=None) -> tuple[list[Job], list[str]]:
    """Read and check a build config; return its jobs and formats.

    ``output_dir``, when given, replaces the config's own (``aeeval build`` gives
    ``./reports/<name>/`` for a config bundled with aeeval, which lives among its installed files).

    Raises :class:`ConfigError` listing every problem (file, place in the config, what is wrong).
    """
    import jsonschema

    path = Path(path)
    if not path.exists():
        raise ConfigError(f"{path}: no such config file")
    try:
        config = read_yaml(path)  # a pipe, bad encoding, anchors and aliases refused, file named
    except InputFileError as exc:
        raise ConfigError(str(exc)) from None
    validator = jsonschema.Draft202012Validator(CONFIG_SCHEMA)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        raise ConfigError(
            f"{path}: "
            + "; ".join(f"{_where(e.absolute_path)}: {_schema_message(e)}" for e in errors)
        )
    base = path.resolve().parent
    output_dir = (
        Path(output_dir) if output_dir is not None else base / config.get("output_dir", "reports")
    ).resolve()
    try:
        formats = check_formats(formats or config.get("formats", FORMATS))
    except ReportError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    from .gate.names import read_names  # here: importing the gate in a worker imports pandas

    try:
        people = tuple(read_names(base / config["names"])) if "names" in config else ()
    except ValueError as exc:
        raise ConfigError(f"{path}: names: {exc}") from None
    jobs, problems, outs = [], [], {}
    declared_cache: dict[Path, dict] = {}
    for i, entry in enumerate(config["reports"]):
        where = f"reports[{i}]"
        names = entry.get("notebooks") or [entry["notebook"]]
        matrix = entry.get("matrix", {})
        sets = entry.get("parameter_sets", [{}])
        combos = [dict(zip(matrix, values)) for values in itertools.product(*matrix.values())]
        for name in names:
            notebook = (base / name).resolve()
            if notebook not in declared_cache:
                try:
                    declared_cache[notebook] = declared_parameters(notebook)
                except ParameterError as exc:
                    problems.append(f"{where}: {exc}")
                    declared_cache[notebook] = None
            declared = declared_cache[notebook]
            if declared is None:
                continue
            for pset, combo in itertools.product(sets, combos):
                varying = {**pset, **combo}
                params = {**entry.get("parameters", {}), **varying}
                try:
                    params = check_parameters(notebook, params, declared)
                    out = _out_folder(
                        output_dir, _out_name(entry.get("out"), notebook, varying, where), where
                    )
                    check_apart(
                        out,
                        [
                            ("the notebook", notebook),
                            ("the config", path),
                            *path_parameters(params, base),
                        ],
                    )
                except (ParameterError, ConfigError, OutputError) as exc:
                    problems.append(f"{where}: {exc}")
                    continue
                label = ", ".join(f"{k}={v}" for k, v in varying.items())
                if out in outs:
                    problems.append(
                        f"{where}: output folder {out} is also used by {outs[out]}; "
                        "give each report its own 'out'"
                    )
                    continue
                nested = next(
                    (o for o in outs if o.is_relative_to(out) or out.is_relative_to(o)), None
                )
                if nested is not None:
                    problems.append(
                        f"{where}: output folder {out} and {nested} (of "
                        f"{outs[nested]}) nest, and a report replaces its folder "
                        "whole; give each report a folder of its own"
                    )
                    continue
                outs[out] = f"{where} ({notebook.name} {label})".strip()
                jobs.append(Job(notebook, params, out, base, label, people))
    if problems:
        raise ConfigError(f"{path}: " + "; ".join(problems))
    return jobs, formats


def _out_folder(output_dir: Path, name: str, where: str) -> Path:
    """``output_dir / name``, or :class:`ConfigError` unless it lies strictly inside it."""
    rel = Path(name)
    folder = (output_dir / rel).resolve()
    if (
        rel.is_absolute()
        or ".." in rel.parts
        or folder == output_dir
        or not folder.is_relative_to(output_dir)
    ):
        raise ConfigError(
            f"{where}.out: {name!r} must name a folder inside output_dir "
            f"{output_dir} (not output_dir itself, no '..', not an absolute path)"
        )
    return folder


def _schema_message(error) -> str:
    if error.validator == "oneOf" and error.schema_path and "reports" in error.absolute_path:
        return "give either 'notebook' (one) or 'notebooks' (a list), not both and not neither"
    if error.validator == "additionalProperties":
        return error.message.replace(
            "Additional properties are not allowed", "unknown key(s), not allowed"
        )
    return error.message


THREAD_VARIABLES = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def worker_context():
    """How a batch starts its workers: forked from multiprocessing's ``forkserver``, which imported
    :mod:`aeeval.publish.workerstart` once, where the platform has one (Linux, macOS); spawned
    elsewhere. Forked, a worker skips the imports and first builds a spawned one pays (0.5 and
    0.3–0.5 CPU-s)."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return get_context("spawn")
    context = get_context("forkserver")
    context.set_forkserver_preload(["aeeval.publish.workerstart"])
    return context


def warm_worker(
    threads: int,
    parent: int | None = None,
    server: str | None = None,
    environ: dict | None = None,
    cwd: str | None = None,
) -> None:
    """Worker start-up: die with the main process ``parent`` and leave Ctrl-C to it, share the
    cores between the kernels, skip jsonschema's IRI parser
    (:func:`aeeval.cli.skip_iri_grammar`) and load the heavy modules once per process, not once
    per report, and use the batch's fork server listening at ``server``
    (:mod:`aeeval.publish.forkserver`; without one, start the worker's own), whose kernels skip
    the imports.

    A worker forked from multiprocessing's forkserver (:func:`worker_context`) starts with the
    environment and working directory the server had when it started: ``environ`` and ``cwd``,
    the main process's now, replace them. Its parent is that server, which lives as long as its
    workers do: the worker watches the main process ``parent`` itself (:func:`exit_with`).

    Each kernel this worker starts may use ``threads`` BLAS/OpenMP threads (unless the user set
    those variables): with one kernel per core already running, more threads only spin against
    each other — measured on 2 cores, a 6-report batch took 75 s with OpenBLAS's default threads
    and 19 s with one each.
    """
    from ..cli import skip_iri_grammar
    from .forkserver import start_fork_server, use_fork_server

    if environ is not None:
        os.environ.clear()
        os.environ.update(environ)
    if cwd is not None:
        os.chdir(cwd)
    if parent is not None:
        die_with_parent()  # the main process, or multiprocessing's forkserver
        exit_with(parent)  # the main process, when the parent is the forkserver
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process stops the workers
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, str(threads))
    if server is not None:
        use_fork_server(server)  # the batch's, imported under the thread limits above
    else:
        start_fork_server()  # the worker's own for the whole batch, with the thread limits above
    skip_iri_grammar()
    import nbconvert  # noqa: F401
    import papermill  # noqa: F401


def _prepare(job: Job, parent: int | None = None) -> tuple[dict | None, str, float]:
    if parent is not None and not process_alive(parent):
        os._exit(1)  # the main process is gone: start no queued report
    start = time.monotonic()
    try:
        prepared = prepare(
            job.notebook,
            job.parameters,
            out=job.out,
            cwd=job.cwd,
            names=job.names,
            allow_min_base=job.allow_min_base,
        )
        return prepared, "", time.monotonic() - start
    except ReportError as exc:
        return None, str(exc), time.monotonic() - start
    except Exception as exc:  # anything else must not stop the batch either
        return None, f"{job.notebook}: {type(exc).__name__}: {exc}", time.monotonic() - start


def _result(future) -> tuple[dict | None, str, float]:
    try:
        return future.result()
    except Exception as exc:  # the worker process itself died
        return None, f"worker failed: {type(exc).__name__}: {exc}", 0.0


def run_jobs(
    jobs: list[Job], *, workers: int | None = None, formats=FORMATS, progress: bool = True
) -> list[Outcome]:
    """Run a batch: ``prepare`` in ``workers`` processes, ``publish`` here with one browser.

    Returns one :class:`Outcome` per job, in the jobs' order. Never raises for a failed report; a
    report whose folder another run holds, or that is not a folder aeeval may replace, fails
    without running. Ctrl-C, SIGTERM or SIGHUP raise :class:`KeyboardInterrupt` once every worker,
    kernel and browser is stopped and the work folders are removed.
    """
    with sigterm_interrupts():
        return _run_jobs(jobs, workers=workers, formats=formats, progress=progress)


def _worker_stopper():
    """An exit callback that, when the batch ends by an exception (Ctrl-C …), kills the worker
    processes started after this call (the pool's), which takes their kernels along
    (:func:`aeeval.publish.outdir.die_with_parent`); without it the pool's exit waits for every running
    notebook to finish."""
    before = set(multiprocessing.active_children())

    def stop(kind, value, traceback) -> None:
        if kind is None:
            return
        workers = set(multiprocessing.active_children()) - before
        for process in workers:
            process.kill()
        for process in workers:
            process.join(5)

    return stop


def _run_jobs(jobs: list[Job], *, workers, formats, progress) -> list[Outcome]:
    from contextlib import ExitStack

    from .browser import BrowserError, find_chromium, find_pdftotext

    formats = check_formats(formats)
    if "pdf" in formats:
        try:  # before anything is locked or created
            find_pdftotext()
            find_chromium()
        except BrowserError as exc:
            return [Outcome(job, False, 0.0, str(exc)) for job in jobs]
    outcomes: dict[int, Outcome] = {}
    with ExitStack() as locks:
        runnable = []
        for i, job in enumerate(jobs):
            try:
                locks.enter_context(locked(job.out))
                check_destination(job.out)
            except OutputError as exc:
                outcomes[i] = Outcome(job, False, 0.0, str(exc))
                continue
            runnable.append(i)
        try:
            _run_locked(
                jobs, runnable, outcomes, workers=workers, formats=formats, progress=progress
            )
        except BaseException:
            with signals_held():
                for i in runnable:
                    clean_leftovers(jobs[i].out)
            raise
    return [outcomes[i] for i in range(len(jobs))]


def _run_locked(jobs, runnable, outcomes, *, workers, formats, progress) -> None:
    from contextlib import ExitStack

    from tqdm import tqdm

    from .browser import Browser, BrowserError
    from .forkserver import start_shared_fork_server

    workers = max(1, min(workers or os.cpu_count() or 1, len(runnable) or 1))
    with ExitStack() as stack:
        threads = max(1, (os.cpu_count() or 1) // workers)
        server = None
        if workers > 1 and runnable:
            # One fork server for every worker, importing from now on: the kernels' modules and
            # what aeeval's analyses import when first called, once for the batch (1.7 CPU-s a
            # server; 0.25 CPU-s an evaluation report kernel), under the workers' thread limits.
            env = dict(os.environ)
            for name in THREAD_VARIABLES:
                env.setdefault(name, str(threads))
            server = start_shared_fork_server(env)
            if server is not None:
                stack.callback(server.close)
        browser = None
        if "pdf" in formats and runnable:
            try:
                browser = Browser().__enter__()
            except BrowserError as exc:
                outcomes.update({i: Outcome(jobs[i], False, 0.0, str(exc)) for i in runnable})
                return
            stack.callback(close_quietly, browser)
        bar = stack.enter_context(
            tqdm(
                total=len(jobs),
                initial=len(jobs) - len(runnable),
                unit="report",
                desc="aeeval build",
                disable=not progress,
                file=sys.stderr,
            )
        )
        if workers == 1:
            finished = ((i, _prepare(jobs[i])) for i in runnable)
        else:
            stop = _worker_stopper()
            pool = stack.enter_context(
                ProcessPoolExecutor(
                    max_workers=workers,
                    mp_context=worker_context(),
                    initializer=warm_worker,
                    initargs=(
                        threads,
                        os.getpid(),
                        server and server.address,
                        dict(os.environ),
                        os.getcwd(),
                    ),
                )
            )
            stack.push(stop)  # runs before the pool's exit
            futures = {pool.submit(_prepare, jobs[i], os.getpid()): i for i in runnable}
            finished = ((futures[f], _result(f)) for f in as_completed(futures))
        for i, (prepared, error, seconds) in finished:
            job = jobs[i]
            start = time.monotonic()
            if prepared is not None:
                try:
                    publish(prepared, formats=formats, browser=browser)
                except ReportError as exc:
                    error = str(exc)
                except Exception as exc:
                    error = f"{job.notebook}: {type(exc).__name__}: {exc}"
            seconds += time.monotonic() - start
            outcomes[i] = Outcome(job, not error, seconds, error)
            bar.set_postfix_str(f"{job.notebook.name} {job.label}".strip()[:40])
            bar.update()


def summary_table(outcomes: list[Outcome], *, root: Path | None = None) -> str:
    """A plain-text table: one line per report with its status, time and folder or error."""
    rows = [("#", "notebook", "parameters", "status", "seconds", "output / error")]
    for i, o in enumerate(outcomes, start=1):
        out = o.job.out
        if root is not None:
            try:
                out = out.relative_to(root)
            except ValueError:
                pass
        first = o.message.splitlines()[0] if o.message else ""
        rows.append(
            tuple(
                printable(v)
                for v in (  # a config's values may hold terminal escapes
                    str(i),
                    o.job.notebook.name,
                    o.job.label or "-",
                    "ok" if o.ok else "FAILED",
                    f"{o.seconds:.1f}",
                    str(out) if o.ok else first[:120],
                )
            )
        )
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]) - 1)]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r[:-1], widths)) + "  " + r[-1] for r in rows]
    ok = sum(o.ok for o in outcomes)
    lines.append(
        f"{ok} of {len(outcomes)} report(s) built"
        + (f", {len(outcomes) - ok} failed" if ok < len(outcomes) else "")
    )
    return "\n".join(lines)
