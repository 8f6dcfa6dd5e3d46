"""Policy-gradient training of the generator: advantages and losses, exact-length sampling, reward terms (the
word prior among them), test-time search, and the RL step."""
