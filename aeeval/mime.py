"""The MIME types of the outputs aeeval's notebook helpers attach, which the publishing path reads.

Here, not in :mod:`aeeval.tables` (which writes them, and re-exports them), so that reading a
notebook's outputs imports no pandas: a batch's workers collect ``figures.json`` without it.
"""

__all__ = ["SAFE_TEXT_MIMETYPE", "TABLE_MIMETYPE"]

#: Carries a table shown with :func:`aeeval.tables.show`: its tidy numbers and disclosure declaration.
TABLE_MIMETYPE = "application/vnd.aeeval.table+json"
#: Carries the reason a sentence shown with :func:`aeeval.tables.say` holds no disclosive number.
SAFE_TEXT_MIMETYPE = "application/vnd.aeeval.safe-text+json"
