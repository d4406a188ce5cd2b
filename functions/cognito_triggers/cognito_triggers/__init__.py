"""Cognito user pool triggers: who may sign up, the profile created on confirmation, the claims in each token."""
