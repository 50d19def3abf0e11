"""Built-in imslint rules: operators, credentials, configuration."""
