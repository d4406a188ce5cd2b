# Each wiring entry through its type (wiring_schema): defaults filled in, unknown fields and bad values rejected.
module "wiring" {
  source   = "./wiring_schema"
  for_each = local.wiring

  key         = each.key
  entry       = each.value
  field_names = keys(each.value)
  wired_keys  = keys(local.wiring)
}

# What to deploy comes from dist/manifest.json: one Lambda per handler key present in the manifest AND
# wired in wiring.tf. Everything below is derived; nothing here names a function.
locals {
  manifest = jsondecode(file(var.manifest_path))
  # Manifest paths are relative to the repository root (or absolute when dist/ lives outside it).
  package_root = coalesce(var.package_root, abspath("${path.root}/../../.."))

  # handler key => what the build says about it
  handlers = merge([
    for folder, fn in local.manifest.functions : {
      for key, handler in fn.handlers : key => {
        folder       = folder
        handler      = handler
        path         = startswith(fn.path, "/") ? fn.path : "${local.package_root}/${fn.path}"
        sha256       = fn.sha256
        runtime      = try(fn.runtime, "python3.13")
        architecture = try(fn.architecture, "arm64")
        layers       = try(fn.layers, [])
      }
    }
  ]...)
  handler_key_count = length(flatten([for fn in values(local.manifest.functions) : keys(fn.handlers)]))

  # The wiring with its defaults filled in (wiring_schema types it) and the environment's overrides applied.
  wired = {
    for key, m in module.wiring : key => merge(m.entry, {
      memory_size             = coalesce(try(var.function_settings[key].memory_size, null), m.entry.memory_size)
      timeout                 = coalesce(try(var.function_settings[key].timeout, null), m.entry.timeout)
      reserved_concurrency    = try(var.function_settings[key].reserved_concurrency, null)
      provisioned_concurrency = try(var.function_settings[key].provisioned_concurrency, null)
      schedule                = try(coalesce(try(var.function_settings[key].schedule, null), m.entry.schedule), null)
      snap_start              = var.snap_start_enabled && m.entry.snap_start
    })
  }

  # Deployed = built (in the manifest) and wired.
  deployed = {
    for key, h in local.handlers : key => merge(h, local.wired[key]) if contains(keys(local.wired), key)
  }
  unwired = sort([for key in keys(local.handlers) : key if !contains(keys(local.wired), key)])

  folder_zip  = { for key, f in local.deployed : f.folder => { path = f.path, sha256 = f.sha256 }... }
  layer_names = distinct(flatten([for f in values(local.deployed) : f.layers]))
}

check "manifest_handlers_are_wired" {
  assert {
    condition     = length(local.unwired) == 0
    error_message = "dist/manifest.json has handler keys with no entry in stacks/regional/wiring.tf, so they are not deployed: ${join(", ", local.unwired)}."
  }
}

resource "terraform_data" "manifest_contract" {
  input = { functions = sort(keys(local.deployed)), layers = sort(local.layer_names) }

  lifecycle {
    precondition {
      condition     = local.handler_key_count == length(local.handlers)
      error_message = "dist/manifest.json declares the same handler key in two function folders; keys must be unique (each becomes <prefix>-<key>)."
    }
    precondition {
      condition     = alltrue([for name in local.layer_names : contains(keys(try(local.manifest.layers, {})), name) || contains(keys(var.layer_arns), name)])
      error_message = "A function uses a layer that is neither in dist/manifest.json \"layers\" nor in var.layer_arns: ${join(", ", [for name in local.layer_names : name if !contains(keys(try(local.manifest.layers, {})), name) && !contains(keys(var.layer_arns), name)])}."
    }
  }
}
