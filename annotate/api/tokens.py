"""API tokens: get one with a password, list yours, revoke one."""

from django.contrib.auth import authenticate, user_logged_in
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from annotate.logins import lockout_message
from annotate.models import ApiToken
from annotate.net import client_address
from annotate.tokens import issue_token


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"


class AddressRateThrottle(ScopedRateThrottle):
    """Count requests per client address as the trusted proxies report it."""

    def get_ident(self, request):
        return client_address(request)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)
    name = serializers.CharField(required=False, allow_blank=True, max_length=100,
                                 help_text="What the token is for, shown in GET /api/tokens/.")


class ApiTokenSerializer(serializers.ModelSerializer):
    expired = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "created_at", "expires_at", "last_used_at", "expired"]
        read_only_fields = fields


class IssuedTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(help_text="The key: send it as `Authorization: Token <key>`. Shown only once.")

    class Meta(ApiTokenSerializer.Meta):
        fields = ["token", *ApiTokenSerializer.Meta.fields]
        read_only_fields = fields


LOCKED_OR_THROTTLED = OpenApiResponse(description="log-in locked after repeated failures, or too many requests")
NOT_LOGGED_IN = OpenApiResponse(description="no valid token or session, or the token expired")
NOT_YOURS = OpenApiResponse(description="no token of yours has this id")


class TokenView(APIView):
    """Get an API token for scripts (POST username and password), or revoke the one you send (DELETE)."""

    permission_classes = [permissions.AllowAny]
    # Password guessing is slowed down per address here and locked per username and address by axes.
    throttle_classes = [AddressRateThrottle]
    throttle_scope = "token"

    @extend_schema(request=TokenRequestSerializer, responses={
        200: IssuedTokenSerializer, 400: OpenApiResponse(description="unknown username or wrong password"),
        429: LOCKED_OR_THROTTLED,
    })
    def post(self, request):
        credentials = TokenRequestSerializer(data=request.data)
        credentials.is_valid(raise_exception=True)
        data = credentials.validated_data
        # The plain Django request: axes counts the failure on it, shared with the log-in pages.
        user = authenticate(request._request, username=data["username"], password=data["password"])
        if user is None:
            if getattr(request._request, "axes_locked_out", False):
                raise LockedOut(lockout_message())
            raise exceptions.ValidationError({"non_field_errors": ["unknown username or wrong password"]})
        user_logged_in.send(sender=type(user), request=request._request, user=user)
        token, key = issue_token(user=user, name=data.get("name", ""))
        token.token = key
        return Response(IssuedTokenSerializer(token).data)

    @extend_schema(request=None, responses={
        204: None, 400: OpenApiResponse(description="the request did not carry a token"),
        401: NOT_LOGGED_IN,
    })
    def delete(self, request):
        if not request.user.is_authenticated:
            raise exceptions.NotAuthenticated("send the token to revoke in the Authorization header")
        if not isinstance(request.auth, ApiToken):
            raise exceptions.ValidationError(
                {"non_field_errors": ["send the token to revoke, or revoke one with DELETE /api/tokens/{id}/"]})
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    list=extend_schema(responses={200: ApiTokenSerializer(many=True), 401: NOT_LOGGED_IN}),
    retrieve=extend_schema(responses={200: ApiTokenSerializer, 401: NOT_LOGGED_IN, 404: NOT_YOURS}),
    destroy=extend_schema(responses={204: None, 401: NOT_LOGGED_IN, 404: NOT_YOURS}),
)
class ApiTokenViewSet(mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    """Your API tokens (never their keys); DELETE revokes one."""

    queryset = ApiToken.objects.none()  # the schema generator's stand-in; get_queryset() scopes requests
    serializer_class = ApiTokenSerializer

    def get_queryset(self):
        return ApiToken.objects.filter(user=self.request.user)
