#!/usr/bin/env bash
# Recaptures the fixtures of ProtobufBodyTests: the request bodies kubectl 1.33 (protobuf) and kubectl 1.28 (JSON,
# the expected decoding) send for the same commands, through the local API server's --capture-bodies debug option.
# Usage: capture.sh SERVER_DLL   (run from this directory; overwrites NAME.pb and NAME.json)
set -euo pipefail
dll=$(realpath "$1")
here=$(pwd)
commands=(
  "namespace|create namespace demo"
  "serviceaccount|create serviceaccount app -n demo --save-config"
  "secret|create secret generic s1 -n demo --from-literal=user=admin --from-literal=empty= --type=example.com/basic"
  "configmap|create configmap c1 -n demo --from-literal=k=v"
  "tokenrequest|create token app -n demo --duration 10m --audience api --audience vault --bound-object-kind Secret --bound-object-name s1"
  "role|create role pod-reader -n demo --verb=get,list --resource=pods,deployments.apps --resource-name=p1"
  "rolebinding|create rolebinding pod-reader-app -n demo --role=pod-reader --serviceaccount=demo:app --user=alice --group=devs"
  "clusterrole|create clusterrole health --verb=get --non-resource-url=/healthz,/livez"
  "clusterrole-aggregated|create clusterrole agg --aggregation-rule=rbac.example.com/aggregate-to-agg=true,tier=web"
  "clusterrolebinding|create clusterrolebinding health-app --clusterrole=health --serviceaccount=demo:app"
  "selfsubjectaccessreview|auth can-i get pods/log -n demo"
  "selfsubjectaccessreview-named|auth can-i update deployments.apps/web --subresource=scale -n demo"
  "selfsubjectaccessreview-nonresource|auth can-i get /healthz"
  "selfsubjectrulesreview|auth can-i --list -n demo"
  "selfsubjectreview|auth whoami"
)
for version in 1.33 1.28; do
  work=$(mktemp -d)
  dotnet "$dll" --port 0 --kubeconfig "$work/k" --capture-bodies "$work/bodies" > "$work/log" 2>&1 &
  pid=$!
  until grep -q '^Kubeconfig: ' "$work/log" 2>/dev/null; do sleep 0.2; done
  for entry in "${commands[@]}"; do
    name=${entry%%|*}
    read -r -a args <<< "${entry#*|}"
    before=$(find "$work" -name '*.bin' | wc -l)
    HOME=$work KUBECONFIG=$work/k "/usr/lib/google-cloud-sdk/bin/kubectl.$version" "${args[@]}" > /dev/null 2>&1 || true
    body=$(ls "$work/bodies"/*.bin | sort | sed -n "$((before + 1))p")
    if [ "$version" = 1.33 ]; then cp "$body" "$here/$name.pb"; else cp "$body" "$here/$name.json"; fi
  done
  kill "$pid"
  rm -rf "$work"
done
