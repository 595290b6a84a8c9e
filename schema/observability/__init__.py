"""What operators watch: health probes, request records, metrics, logs, traces."""
