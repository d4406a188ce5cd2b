"""document_pipeline: the chain pattern — extract, analyze and store a document, one Lambda per stage."""
