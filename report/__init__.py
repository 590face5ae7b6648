from . import support_trip_mileage_log
