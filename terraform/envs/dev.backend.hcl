# terraform init -backend-config=envs/dev.backend.hcl
# bucket is the bootstrap's output state_bucket_name (replace the account id).
# use_lockfile: S3-native locking, the lock is `<key>.tflock` beside the state
# (no DynamoDB table). workspace_key_prefix keeps workspaces, if ever used, under
# the same prefix (`action-tracker/dev/workspaces/<ws>/...`): the dev Terraform
# role may reach `action-tracker/dev/*` of the bucket only, ListBucket included,
# and `terraform init` lists workspaces under this prefix; the default `env:`
# would be outside it and refused. Saved plans (`action-tracker/dev/plans/`)
# are not under it, so they never show up as workspaces.
bucket               = "action-tracker-tfstate-123456789012"
key                  = "action-tracker/dev/terraform.tfstate"
workspace_key_prefix = "action-tracker/dev/workspaces"
region               = "eu-west-1"
encrypt              = true
use_lockfile         = true
