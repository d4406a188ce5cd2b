terraform {
  # 1.9: a validation may refer to another variable (the raw field names are checked against the typed entries).
  required_version = ">= 1.9"
}
