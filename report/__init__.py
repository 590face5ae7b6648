from . import support_trip_mileage_log
from . import support_profitability_report
