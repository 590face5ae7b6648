from . import test_rounding
from . import test_support_type
from . import test_demo
from . import test_ui
from . import test_quick_timer
from . import test_quick_timer_ui
