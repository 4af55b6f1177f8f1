from . import payment_provider, payment_transaction, pos_config, pos_session
