# Remote state, partial configuration: the bucket, key, region and lock table come from a backend config file
# at init (`terraform init -backend-config=backend.hcl`, see backend.hcl.example). Planning without it:
# `terraform init -backend=false`.
terraform {
  backend "s3" {}
}
