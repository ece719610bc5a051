"""`chainlit.data.dynamodb`: a Chainlit data layer, refused at import with the reason."""

from chat.sdk.data_layer import DataLayerNotSupported

raise DataLayerNotSupported("chainlit.data.dynamodb")
