"""The course's applications written against needle (``mlp_resnet``)."""
