"""Print the OpenAPI document the gateway serves, as YAML (to review against contracts/openapi.yaml)."""

import yaml

from gateway.config import Settings
from gateway.main import create_app

if __name__ == "__main__":
    print(
        yaml.safe_dump(
            create_app(Settings(environment="development")).openapi(), sort_keys=False, allow_unicode=True, width=100
        ),
        end="",
    )
