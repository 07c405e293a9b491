"""The document record and everything done to it, one module per responsibility (each imports
only the ones listed before it; `tests/test_import_graph.py` holds the core free of import rings):

    repository   the ``documents`` and ``corrections`` tables (an explicit connection each)
    replay       corrections replayed over the OCR's result (pure)
    view         the reviewed document (`View`, its ``version``), the editors' rows and checks
    trail        the audit trail of a document (`audit`, `audit_trail`)
    decisions    status, four eyes, reopen-on-change, unmask, auto-approve: who may do what
    pages        a kept document's pages, masked as reviewed; the original for who may unmask
    corrections  `apply`: the one write path of corrections (desk, API, CLI, region re-OCR)
    cases        case labels and their mismatches
    views        `Reviewed` (the view every output is built from) and the exports
    history      search, the recent documents, the review queue
    keeping      `keep`: keeping a scanned document
    erase        `delete_document`: the one delete, role checked
"""
