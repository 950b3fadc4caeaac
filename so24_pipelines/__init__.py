"""so24-pipelines: a declarative Dagster hub that keeps 24SevenOffice in step with its neighbours."""
