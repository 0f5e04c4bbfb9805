"""World: the shipped data of countries, ties and agreements, and the initial world as arrays."""
