terraform {
  # 1.9: validation blocks may refer to other variables (cross-field checks such as provisioned <= reserved).
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80"
    }
  }
}
