"""parallel_integrations."""
