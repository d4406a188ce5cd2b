# The wiring table: one entry per Lambda function key (function.json "handlers" key). Adding a function
# folder means adding its entries here: the manifest supplies the zip, handler, runtime, architecture and
# layers; this table supplies memory, timeout, environment, permissions and triggers. A key that is wired
# here but missing from dist/manifest.json is simply not deployed. A new function that uses only existing
# resources touches nothing else in Terraform; one that needs a new resource also names it once in main.tf
# (env_values: its variable, grants: its exact actions), because those refer to resources this stack creates.
#
# The fields, their types and defaults are declared in wiring_schema/variables.tf (module.wiring): an unknown
# or misspelled field fails the plan naming the entry and the field. Only env and grants are required:
#   memory_size, timeout      Lambda sizing (defaults 256 MB / 10 s); environments may override them
#   env                       environment variable names from local.env_values (README "Resources and environment variables")
#   grants                    permission sets from local.grants (exact actions on scoped resources)
#   routes, public_routes     HTTP API route keys; public routes skip the JWT authorizer
#   queue                     key of local.queues this function consumes (event source mapping)
#   batch_size, batching_window, max_concurrency   event source mapping tuning
#   s3                        S3 notifications on the uploads bucket: list of { prefix, suffix }
#   sns                       keys of the topics this function subscribes to
#   event_pattern             EventBridge rule pattern on the orders bus
#   schedule                  EventBridge Scheduler expression
#   cognito                   Cognito trigger name: pre_sign_up | post_confirmation | pre_token_generation
#   async                     true when invoked asynchronously: failures go to the async-failures queue
#   on_success                function key the async result is delivered to (chains by destination)
#   saga_task                 true when the order saga state machine invokes it
#   snap_start                true for SnapStart (python3.12+) — latency-sensitive, on-demand functions a caller waits
#                             on; never together with provisioned concurrency (terraform/README.md "Cold starts")
locals {
  wiring = {
    # ----- request/response and state -----
    orders_api = {
      memory_size = 512
      timeout     = 10
      env         = ["ORDERS_TABLE", "IDEMPOTENCY_TABLE", "EVENT_BUS_NAME"]
      grants      = ["orders_api_table", "orders_gsi_query", "idempotency", "events_put"]
      # The function routes and answers 405 itself (functions/orders_api/README.md); CORS is the API's (triggers.tf).
      routes = ["ANY /orders", "ANY /orders/{proxy+}"]
    }
    health = {
      timeout       = 5
      env           = ["ORDERS_TABLE"]
      grants        = ["orders_describe"]
      public_routes = ["GET /health"]
    }
    user_visits = {
      env    = ["VISITS_TABLE"]
      grants = ["visits_count"]
      routes = ["POST /users/{user_id}/visits", "GET /users/{user_id}/visits"]

      snap_start = true
    }
    activity_recorder = {
      env    = ["ACTIVITY_TABLE"]
      grants = ["activity_append"]
      routes = ["POST /users/{user_id}/activities", "GET /users/{user_id}/state"]

      snap_start = true
    }
    activity_recorder_replay = {
      timeout = 30
      env     = ["ACTIVITY_TABLE"]
      grants  = ["activity_query"]
    }
    payment_gateway = {
      timeout = 15
      env     = ["CIRCUIT_TABLE", "PAYMENT_API_URL"]
      grants  = ["circuit_state"]
      routes  = ["POST /payments", "POST /payments/{payment_id}/refunds"]

      snap_start = true
    }
    # Cognito waits at most 5 s for a trigger.
    cognito_pre_sign_up = {
      timeout = 5
      env     = ["ALLOWED_EMAIL_DOMAINS"]
      grants  = []
      cognito = "pre_sign_up"

      snap_start = true
    }
    cognito_post_confirmation = {
      timeout = 5
      env     = ["USERS_TABLE"]
      grants  = ["users_write"]
      cognito = "post_confirmation"

      snap_start = true
    }
    cognito_pre_token_generation = {
      timeout = 5
      env     = ["USERS_TABLE"]
      grants  = ["users_read"]
      cognito = "pre_token_generation"

      snap_start = true
    }
    upload_url = {
      timeout = 5
      env     = ["UPLOADS_BUCKET"]
      grants  = ["uploads_presign"]
      routes  = ["POST /uploads"]

      snap_start = true
    }

    # ----- asynchronous and event-driven -----
    order_worker = {
      timeout         = 30
      env             = ["ORDERS_TABLE", "IDEMPOTENCY_TABLE"]
      grants          = ["orders_item_write", "idempotency"]
      queue           = "orders"
      batch_size      = 10
      batching_window = 1
      max_concurrency = 10
    }
    # Invoked directly (RequestResponse from a tool, or Event: then failures go to the failures queue).
    bulk_dispatcher = {
      timeout = 60
      env     = ["BULK_QUEUE_URL"]
      grants  = ["bulk_queue_send"]
      async   = true
    }
    bulk_worker = {
      timeout         = 30
      env             = ["ORDERS_TABLE"]
      grants          = ["orders_put"]
      queue           = "bulk"
      batch_size      = 10
      batching_window = 1
      max_concurrency = 20
    }
    # document_pipeline: invoke(Event) document_pipeline_extract -> _analyze -> _store, chained by on-success destinations.
    document_pipeline_extract = {
      timeout    = 60
      env        = ["UPLOADS_BUCKET"]
      grants     = ["documents_read"]
      async      = true
      on_success = "document_pipeline_analyze"
    }
    document_pipeline_analyze = {
      timeout    = 60
      env        = []
      grants     = []
      async      = true
      on_success = "document_pipeline_store"
    }
    document_pipeline_store = {
      timeout = 30
      env     = ["UPLOADS_BUCKET"]
      grants  = ["analysis_write"]
      async   = true
    }
    order_events_router = {
      env    = ["ORDER_SAGA_ARN", "NOTIFICATIONS_TOPIC_ARN"]
      grants = ["saga_start", "notifications_publish"]
      event_pattern = {
        detail-type = ["OrderCreated", "PaymentCompleted", "ShipmentDispatched"]
      }
      async = true
    }
    # order_saga task handlers: invoked synchronously by the state machine (order_saga.asl.json). The forward
    # steps and the last compensation move the order's status (shared.orders), so the customer sees the saga.
    reserve_inventory = {
      env       = ["INVENTORY_TABLE", "ORDERS_TABLE"]
      grants    = ["inventory_update", "orders_item_write"]
      saga_task = true
    }
    release_inventory = {
      env       = ["INVENTORY_TABLE", "ORDERS_TABLE"]
      grants    = ["inventory_update", "orders_item_write"]
      saga_task = true
    }
    charge_payment = {
      timeout   = 20
      env       = ["ORDERS_TABLE", "CIRCUIT_TABLE", "PAYMENT_API_URL"]
      grants    = ["orders_item_write", "circuit_state"]
      saga_task = true
    }
    refund_payment = {
      timeout   = 20
      env       = ["ORDERS_TABLE", "CIRCUIT_TABLE", "PAYMENT_API_URL"]
      grants    = ["orders_item_write", "circuit_state"]
      saga_task = true
    }
    create_shipment = {
      env       = ["ORDERS_TABLE"]
      grants    = ["orders_item_write"]
      saga_task = true
    }
    cancel_shipment = {
      env       = ["ORDERS_TABLE"]
      grants    = ["orders_item_write"]
      saga_task = true
    }
    order_saga_notify = {
      env       = ["ORDERS_TABLE", "NOTIFICATIONS_TOPIC_ARN"]
      grants    = ["orders_item_write", "notifications_publish"]
      saga_task = true
    }
    csv_ingest = {
      memory_size = 1024
      timeout     = 300
      env         = ["ORDERS_TABLE", "IDEMPOTENCY_TABLE"]
      grants      = ["uploads_read", "reports_write", "orders_batch_write", "idempotency"]
      s3          = [{ prefix = "uploads/", suffix = ".csv" }]
      async       = true
    }
    image_resizer = {
      memory_size = 1024
      timeout     = 30
      env         = []
      grants      = ["uploads_read", "resized_write"]
      s3 = [
        { prefix = "uploads/", suffix = ".jpg" }, { prefix = "uploads/", suffix = ".jpeg" },
        { prefix = "uploads/", suffix = ".png" }, { prefix = "uploads/", suffix = ".gif" },
        { prefix = "uploads/", suffix = ".webp" },
      ]
      async = true
    }
    notifier = {
      env    = ["SENDER_EMAIL", "UPLOAD_ALERT_RECIPIENTS"]
      grants = ["ses_send"]
      sns    = ["notifications", "upload_alerts"]
      async  = true
    }
    scheduled_cleanup = {
      timeout  = 300
      env      = ["ORDERS_TABLE", "ARCHIVE_BUCKET", "ABANDONED_AFTER_HOURS"]
      grants   = ["orders_gsi_query", "orders_expire", "archive_write"]
      schedule = "rate(1 hour)"
      async    = true
    }

    # ----- deployments -----
    # CodeDeploy's BeforeAllowTraffic hook, invoked asynchronously; deployments.tf gives it its environment and
    # permissions. It invokes a new version with its function's sample events, so it waits on the slowest one.
    deploy_hook = {
      timeout = 300
      env     = []
      grants  = []
      async   = true
    }
  }
}
