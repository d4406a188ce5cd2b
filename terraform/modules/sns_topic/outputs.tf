output "arn" {
  description = "ARN of the topic."
  value       = aws_sns_topic.this.arn
}

output "name" {
  description = "Name of the topic."
  value       = aws_sns_topic.this.name
}

output "subscription_arns" {
  description = "Subscription ARN by subscription key."
  value       = { for k, s in aws_sns_topic_subscription.this : k => s.arn }
}
