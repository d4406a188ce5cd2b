"""bulk_dispatcher: splits a bulk order job into SQS messages for bulk_worker."""
