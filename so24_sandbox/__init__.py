"""Local emulators of the systems the hub talks to. Never imported by so24_pipelines."""
