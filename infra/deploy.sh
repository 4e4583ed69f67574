#!/usr/bin/env bash
# `npm run deploy`: build, build and push the public services' image (Cloud Build, from the Dockerfile), then
# Terraform init + apply from infra/. Terraform zips the functions' source itself (archive_file, object named by the
# zip's md5), so an unchanged tree redeploys no function.
#
#   TF_STATE_BUCKET=my-tf-state GOOGLE_CLOUD_PROJECT=my-project npm run deploy [-- extra terraform apply args]
#
# Optional env: TF_STATE_PREFIX (default stripe-qbo-sync), REGION (default us-central1), AR_REPOSITORY (default
# stripe-qbo), TOPIC_PREFIX, PUBLIC_IMAGE (skip the image build and deploy this one: rollback), TF_VAR_* for any
# variable.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v terraform >/dev/null || missing+=("terraform (>= 1.6: https://developer.hashicorp.com/terraform/install)")
command -v gcloud >/dev/null || missing+=("gcloud (Google Cloud CLI, for credentials: gcloud auth application-default login)")
if [ "${#missing[@]}" -gt 0 ]; then
  printf 'deploy needs: %s\n' "${missing[@]}" >&2
  exit 1
fi

project="${GOOGLE_CLOUD_PROJECT:-$(gcloud config get-value project 2>/dev/null || true)}"
[ -n "$project" ] || { echo "set GOOGLE_CLOUD_PROJECT (or gcloud config set project ID)" >&2; exit 1; }
[ -n "${TF_STATE_BUCKET:-}" ] || { echo "set TF_STATE_BUCKET to the Terraform state bucket (infra/README.md: one-time setup)" >&2; exit 1; }

# Fail here, not in Cloud Build, when the code does not compile.
npm run build

region="${REGION:-us-central1}"
# The public services' image: one tag per deploy; `gcloud builds submit` builds it with the Dockerfile remotely.
image="${PUBLIC_IMAGE:-}"
if [ -z "$image" ]; then
  image="${region}-docker.pkg.dev/${project}/${AR_REPOSITORY:-stripe-qbo}/public:$(date -u +%Y%m%dt%H%M%S)"
  gcloud builds submit --project "$project" --tag "$image" .
fi

args=(-var "project_id=${project}" -var "region=${region}" -var "public_image=${image}")
[ -n "${TOPIC_PREFIX:-}" ] && args+=(-var "topic_prefix=${TOPIC_PREFIX}")

terraform -chdir=infra init -input=false \
  -backend-config="bucket=${TF_STATE_BUCKET}" \
  -backend-config="prefix=${TF_STATE_PREFIX:-stripe-qbo-sync}"
terraform -chdir=infra apply -input=false "${args[@]}" "$@"
terraform -chdir=infra output
