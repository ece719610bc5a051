"""`chainlit.data.literalai`: a Chainlit data layer, refused at import with the reason."""

from ..data_layer import DataLayerNotSupported

raise DataLayerNotSupported("chainlit.data.literalai")
