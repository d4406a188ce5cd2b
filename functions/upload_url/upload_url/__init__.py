"""POST /uploads: hand the client a presigned S3 POST so large files never pass through Lambda."""
