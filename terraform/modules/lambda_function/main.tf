data "aws_partition" "current" {}
data "aws_region" "current" {}
data "aws_caller_identity" "current" {}

locals {
  alias_name = "live"
  # Provisioned concurrency lives on the alias; with autoscaling the configured value is only the floor at
  # creation, so a separate resource ignores later changes made by Application Auto Scaling.
  provisioned = var.provisioned_concurrency
  autoscaled  = local.provisioned != null && try(local.provisioned.autoscaling, null) != null && var.autoscaling_enabled

  traffic_shifting = var.traffic_shifting
  # The alias of whichever mode is in use (exactly one exists); everything on the alias refers to it through this.
  alias     = one(concat(aws_lambda_alias.live, aws_lambda_alias.live_terraform))
  alias_ref = local.alias.name
}

resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:Retention is an environment choice (log_retention_days: 7 local, 14 dev, 90 prod); long-term audit lives in CloudTrail, not function logs.
  name              = "/aws/lambda/${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:Async failures go to the alias's on-failure destination (aws_lambda_function_event_invoke_config), the successor of the function DLQ.
  #checkov:skip=CKV_AWS_117:VPC attachment is optional (var.vpc); these functions reach only AWS APIs over IAM.
  #checkov:skip=CKV_AWS_272:Code signing is not used; artifacts are built reproducibly and pinned by SHA-256 in the manifest.
  #checkov:skip=CKV_AWS_173:Environment holds resource names only, never secrets; var.kms_key_arn adds a customer key where required.
  #checkov:skip=CKV_AWS_115:Reserved concurrency is set per function where a ceiling is wanted (var.reserved_concurrency); null is a deliberate choice.
  function_name     = var.name
  description       = var.description
  role              = aws_iam_role.this.arn
  handler           = var.handler
  runtime           = var.runtime
  architectures     = [var.architecture]
  memory_size       = var.memory_size
  timeout           = var.timeout
  filename          = var.package.s3_bucket == null ? var.package.path : null
  s3_bucket         = var.package.s3_bucket
  s3_key            = var.package.s3_key
  s3_object_version = var.package.s3_object_version
  source_code_hash  = var.package.sha256
  layers            = var.layers
  publish           = true
  kms_key_arn       = var.kms_key_arn

  reserved_concurrent_executions = var.reserved_concurrency

  tracing_config {
    mode = var.tracing_mode
  }

  # INIT once per published version; every new environment of the live alias resumes from the snapshot.
  dynamic "snap_start" {
    for_each = var.snap_start ? ["PublishedVersions"] : []
    content {
      apply_on = snap_start.value
    }
  }

  dynamic "ephemeral_storage" {
    for_each = var.ephemeral_storage_mb == null ? [] : [var.ephemeral_storage_mb]
    content {
      size = ephemeral_storage.value
    }
  }

  dynamic "environment" {
    for_each = length(var.environment) > 0 ? [var.environment] : []
    content {
      variables = environment.value
    }
  }

  dynamic "vpc_config" {
    for_each = var.vpc == null ? [] : [var.vpc]
    content {
      subnet_ids         = vpc_config.value.subnet_ids
      security_group_ids = vpc_config.value.security_group_ids
    }
  }

  depends_on = [aws_cloudwatch_log_group.this, aws_iam_role_policy.this]
}

# The live alias, in one of two modes. With a CodeDeploy deployment group on it (var.traffic_shifting), Terraform
# creates the alias on the first version and then leaves its version and routing weights to deployments: a
# plan must not move traffic back while a canary runs, nor jump to a version CodeDeploy has not shifted to yet.
# Otherwise Terraform points the alias at every newly published version itself. The CodeDeploy mode keeps the
# address aws_lambda_alias.live (a state from before this choice moves to live[0] by itself); switching an existing
# function between modes needs one `terraform state mv` (README "Gradual deployments").
resource "aws_lambda_alias" "live" {
  count = local.traffic_shifting ? 1 : 0

  name             = local.alias_name
  description      = "The published version that triggers, destinations and provisioned concurrency use; CodeDeploy shifts it."
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version

  lifecycle {
    ignore_changes = [function_version, routing_config]
  }
}

resource "aws_lambda_alias" "live_terraform" {
  count = local.traffic_shifting ? 0 : 1

  name             = local.alias_name
  description      = "The published version that triggers, destinations and provisioned concurrency use."
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version
}

resource "aws_lambda_provisioned_concurrency_config" "fixed" {
  count = local.provisioned != null && !local.autoscaled ? 1 : 0

  function_name                     = aws_lambda_function.this.function_name
  qualifier                         = local.alias_ref
  provisioned_concurrent_executions = local.provisioned.executions
}

resource "aws_lambda_provisioned_concurrency_config" "autoscaled" {
  count = local.autoscaled ? 1 : 0

  function_name                     = aws_lambda_function.this.function_name
  qualifier                         = local.alias_ref
  provisioned_concurrent_executions = local.provisioned.executions

  lifecycle {
    # Application Auto Scaling owns the value after creation; a deploy must not scale it back down.
    ignore_changes = [provisioned_concurrent_executions]
  }
}

resource "aws_appautoscaling_target" "this" {
  count = local.autoscaled ? 1 : 0

  service_namespace  = "lambda"
  scalable_dimension = "lambda:function:ProvisionedConcurrency"
  resource_id        = "function:${aws_lambda_function.this.function_name}:${local.alias_ref}"
  min_capacity       = local.provisioned.autoscaling.min_capacity
  max_capacity       = local.provisioned.autoscaling.max_capacity

  depends_on = [aws_lambda_provisioned_concurrency_config.autoscaled]
}

resource "aws_appautoscaling_policy" "this" {
  count = local.autoscaled ? 1 : 0

  name               = "${var.name}-provisioned-utilization"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.this[0].service_namespace
  scalable_dimension = aws_appautoscaling_target.this[0].scalable_dimension
  resource_id        = aws_appautoscaling_target.this[0].resource_id

  target_tracking_scaling_policy_configuration {
    target_value = local.provisioned.autoscaling.target_utilization

    predefined_metric_specification {
      predefined_metric_type = "LambdaProvisionedConcurrencyUtilization"
    }
  }
}

resource "aws_lambda_function_event_invoke_config" "this" {
  count = var.async == null ? 0 : 1

  function_name                = aws_lambda_function.this.function_name
  qualifier                    = local.alias_ref
  maximum_retry_attempts       = var.async.maximum_retry_attempts
  maximum_event_age_in_seconds = var.async.maximum_event_age_in_seconds
  depends_on                   = [aws_iam_role_policy.destinations]

  destination_config {
    on_failure {
      destination = var.async.on_failure_arn
    }

    dynamic "on_success" {
      for_each = var.async.on_success_arn == null ? [] : [var.async.on_success_arn]
      content {
        destination = on_success.value
      }
    }
  }
}
