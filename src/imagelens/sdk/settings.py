"""``client.settings`` (needs an admin key): the tenant's own bucket (bring your own bucket) and
its face recognition switch."""

from __future__ import annotations

from imagelens.sdk._core import Core
from imagelens.sdk.resources import API
from imagelens.types.api import CustomS3Config, CustomStorage
from imagelens.types.people import FaceSettings


class Settings:
    def __init__(self, core: Core) -> None:
        self._core = core

    async def configure_custom_s3(
        self,
        *,
        access_key_id: str,
        secret_access_key: str,
        bucket_name: str,
        region: str = "us-east-1",
        endpoint_url: str | None = None,
        prefix: str | None = None,
    ) -> CustomStorage:
        """Store this tenant's S3-compatible bucket; uploads with ``storage_target="custom"``
        go there. The server checks it with a test write and never returns the secret."""
        config = CustomS3Config.model_validate(
            {
                "access_key_id": access_key_id,
                "secret_access_key": secret_access_key,
                "bucket_name": bucket_name,
                "region": region,
                "endpoint_url": endpoint_url or "",
                "prefix": prefix or "",
            }
        )
        body = config.model_dump(mode="json")
        body["secret_access_key"] = secret_access_key  # SecretStr dumps masked
        response = await self._core.request("PUT", f"{API}/settings/custom-s3", json=body)
        return CustomStorage.model_validate_json(response.content)

    async def get_custom_s3(self) -> CustomStorage:
        """The configured bucket (the key id masked, never the secret)."""
        response = await self._core.request("GET", f"{API}/settings/custom-s3")
        return CustomStorage.model_validate_json(response.content)

    async def remove_custom_s3(self) -> None:
        """Forget the bucket (its objects stay in it)."""
        await self._core.request("DELETE", f"{API}/settings/custom-s3")

    async def faces(self) -> FaceSettings:
        """Whether this tenant has face recognition on, and whether the server allows it."""
        response = await self._core.request("GET", f"{API}/settings/faces")
        return FaceSettings.model_validate_json(response.content)

    async def set_faces(self, *, recognition: bool) -> FaceSettings:
        """Turn face recognition on or off for this tenant. Off deletes every face vector
        and person of the tenant at once (the images stay); on needs
        the server's ``IMAGELENS_FACES__RECOGNITION=true`` (else NotConfiguredError)."""
        body = {"recognition": recognition}
        response = await self._core.request("PUT", f"{API}/settings/faces", json=body)
        return FaceSettings.model_validate_json(response.content)
