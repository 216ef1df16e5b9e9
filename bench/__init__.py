"""Side-by-side benchmarks of the example app with and without the guard."""
