"""`chainlit.data.storage_clients`: a Chainlit data layer, refused at import with the reason."""

from chat.sdk.data_layer import DataLayerNotSupported

raise DataLayerNotSupported("chainlit.data.storage_clients")
