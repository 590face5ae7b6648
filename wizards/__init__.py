from . import support_mileage_log_wizard
