"""The webinar registration bot of a city-to-city cooperation programme."""
