"""`chainlit.data.chainlit_data_layer`: a Chainlit data layer, refused at import with the reason."""

from chat.sdk.data_layer import DataLayerNotSupported

raise DataLayerNotSupported("chainlit.data.chainlit_data_layer")
