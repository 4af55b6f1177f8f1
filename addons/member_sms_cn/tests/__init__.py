from . import test_signing
from . import test_aliyun
from . import test_tencent
from . import test_templates
from . import test_reply
