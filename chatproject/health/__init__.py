"""What an orchestrator and a monitoring stack ask a web process: is it alive, is it ready
to serve, and what has it done (`/healthz`, `/readyz`, `/metrics`)."""
