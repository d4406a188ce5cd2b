terraform {
  # 1.9: validation blocks may refer to other variables (a custom traffic shape needs its own config name).
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.80"
    }
  }
}
