output "user_pool_id" {
  description = "ID of the user pool."
  value       = aws_cognito_user_pool.this.id
}

output "user_pool_arn" {
  description = "ARN of the user pool."
  value       = aws_cognito_user_pool.this.arn
}

output "client_id" {
  description = "ID of the app client (the JWT audience)."
  value       = aws_cognito_user_pool_client.this.id
}

output "issuer" {
  description = "JWT issuer URL of the pool, for API Gateway JWT authorizers."
  value       = "https://${aws_cognito_user_pool.this.endpoint}"
}
