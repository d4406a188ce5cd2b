"""CSV ingest: order rows uploaded to S3 under uploads/ become items in the orders table."""
