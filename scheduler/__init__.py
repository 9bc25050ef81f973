"""Simulated customs and the scheduler process (SPEC §6): simulator, job runs, lease, jobs, CLI."""
