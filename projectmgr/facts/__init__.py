"""Read-only facts about a project, below services and the lifecycle: what its records add up to
(figures), its acceptance panel (panels) and its due items (due). Nothing here writes, and nothing
here imports services/, web/ or api/: the lifecycle's guards read through these modules."""
