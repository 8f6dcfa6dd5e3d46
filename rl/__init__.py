"""Policy-gradient training of the generator: rewards, advantages, losses and the RL loop."""
