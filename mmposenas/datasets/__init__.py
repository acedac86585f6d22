"""datasets of mmposenas (registered into mmpose.registry on import)."""
from . import transforms  # noqa: F401
from .h36m_image_dataset import Human36mImageDataset  # noqa: F401
from . import synthetic  # noqa: F401
from .resumable_sampler import ResumableSampler  # noqa: F401
