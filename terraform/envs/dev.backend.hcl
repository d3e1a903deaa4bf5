# terraform init -backend-config=envs/dev.backend.hcl
# bucket and dynamodb_table are the outputs of terraform/bootstrap; replace the account id.
bucket         = "action-tracker-tfstate-123456789012"
key            = "action-tracker/dev/terraform.tfstate"
region         = "eu-west-1"
dynamodb_table = "action-tracker-tfstate-lock"
encrypt        = true
