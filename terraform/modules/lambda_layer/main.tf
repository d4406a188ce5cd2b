resource "aws_lambda_layer_version" "this" {
  count = var.package == null ? 0 : 1

  layer_name               = var.name
  description              = var.description
  filename                 = var.package.path
  source_code_hash         = var.package.sha256
  compatible_runtimes      = [var.runtime]
  compatible_architectures = [var.architecture]
}
