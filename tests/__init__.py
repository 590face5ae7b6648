from . import test_rounding
from . import test_support_type
from . import test_demo
from . import test_ui
from . import test_support_trip
from . import test_support_trip_report
from . import test_support_trip_ui
