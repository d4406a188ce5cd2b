"""bulk_worker: writes the orders of a bulk import job, one SQS message per order."""
